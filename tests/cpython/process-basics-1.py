import os, time, multiprocessing
from multiprocessing import Process

#SCENE
