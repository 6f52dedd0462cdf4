# A script that swaps sys.stdout, and writes past it.
import io
import os
import sys

print("before")
saved = sys.stdout
sys.stdout = buffer = io.StringIO()
print("hidden")
sys.stdout = saved
print("captured:", buffer.getvalue().strip())
sys.stdout = sys.__stdout__
print("after")
sys.stdout.flush()
os.write(1, b"raw write\n")
