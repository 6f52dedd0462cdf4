# compare: prefix
import multiprocessing as mp

if __name__ == '__main__':
    #SCENE
