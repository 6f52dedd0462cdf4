# lanes: Process-1=patient, Process-2=impatient
import os, signal, sys, time
from multiprocessing import Process

#SCENE
