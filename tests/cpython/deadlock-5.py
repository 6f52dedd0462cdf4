# compare: prefix
# timeout: 3
import time
import multiprocessing as mp

if __name__ == '__main__':
    #SCENE
