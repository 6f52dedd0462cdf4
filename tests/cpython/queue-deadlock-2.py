from multiprocessing import Process, Queue


def f(q):
    q.put('X' * 1000)


if __name__ == '__main__':
    queue = Queue()
    p = Process(target=f, args=(queue,))
    #SCENE
