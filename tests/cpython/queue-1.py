import os, time
from multiprocessing import Process, Queue

#SCENE
