import threading

cond = threading.Condition()
item = None

def consumer():
    with cond:
        while item is None:
            cond.wait()
        print("got", item)

def producer():
    global item
    with cond:
        item = 1
        cond.notify()

c = threading.Thread(target=consumer)
p = threading.Thread(target=producer)
c.start(); p.start()
c.join(); p.join()
