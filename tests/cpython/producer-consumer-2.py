import collections, threading, time

#SCENE
