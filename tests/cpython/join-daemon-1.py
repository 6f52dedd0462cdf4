# lanes: Process-1=p1, Process-2=p2
import os, time
from multiprocessing import Process

#SCENE
