"""Benchmark peer: reads DICOM files with pydicom as a Python user would.

Usage: pydicom_read.py REPEATS FILE...; prints the best wall time (s) of REPEATS full passes.
"""
import sys
import time

import pydicom


def main():
    repeats = int(sys.argv[1])
    paths = sys.argv[2:]
    best = float("inf")
    checksum = 0.0
    for _ in range(repeats):
        start = time.perf_counter()
        for path in paths:
            ds = pydicom.dcmread(path)
            pixels = ds.pixel_array
            checksum += float(pixels[0, 0]) + float(ds.InversionTime or 0)
        best = min(best, time.perf_counter() - start)
    print(f"{best:.6f} {checksum:.1f}")


if __name__ == "__main__":
    main()
