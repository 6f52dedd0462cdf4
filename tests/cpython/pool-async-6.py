# compare: pool
import time
from multiprocessing import Pool


def square_after(task):
    x, secs = task
    print(f'square({x}) starts, takes {secs:.1f} s')
    time.sleep(secs)
    print(f'square({x}) done')
    return x * x


if __name__ == '__main__':
    p = Pool(4)
    #SCENE
