# compare: pool
# takes: pool-async-5 square_after
import time
from multiprocessing import Pool

#TAKES
if __name__ == '__main__':
    p = Pool(4)
    #SCENE
