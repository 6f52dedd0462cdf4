# compare: prefix
# timeout: 10
import os
from multiprocessing import Process

if __name__ == '__main__':
    #SCENE
