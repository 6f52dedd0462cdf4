# lanes: Process-1=a, Process-2=b
import os, signal, sys, time
from multiprocessing import Process

#SCENE
