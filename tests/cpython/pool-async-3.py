# compare: pool
# takes: pool-async-1 run_sleep
import os, time
from multiprocessing import Pool

#TAKES
if __name__ == '__main__':
    p = Pool(5)
    #SCENE
