from multiprocessing import Process, Pipe

if __name__ == '__main__':
    #SCENE
