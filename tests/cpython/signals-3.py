# lanes: Process-1=p
import os, signal, sys, time
from multiprocessing import Process

#SCENE
