# compare: pool
import os, time
from multiprocessing import Pool

if __name__ == '__main__':
    #SCENE
