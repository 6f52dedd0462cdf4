# lanes: Process-1=p1, Process-2=p2
import time
import multiprocessing as mp

#SCENE
