# compare: pool
import random, time
from multiprocessing import Pool

#SCENE
