import os
import multiprocessing as mp

#SCENE
