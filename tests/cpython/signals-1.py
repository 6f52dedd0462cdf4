# lanes: Process-1=a
import os, signal, sys, time
from multiprocessing import Process

#SCENE
