import os
from time import sleep
from multiprocessing import Process


def task2(s, name):
    count = 0
    sleep(2)
    while True:
        sleep(s)
        if count == 4:
            break
        count += 1
        print('this is task 2 .......', os.getpid(), os.getppid())


#SCENE
