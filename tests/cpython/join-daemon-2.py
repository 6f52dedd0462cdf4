# lanes: Process-1=p1, Process-2=p2
# takes: join-daemon-1 run_sleep
import os, time
from multiprocessing import Process

#TAKES
if __name__ == '__main__':
    #SCENE
