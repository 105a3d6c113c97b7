"""Test peer: reads DICOM files with pydicom and prints what lgeqa's reader should agree on.

Usage: read_pydicom.py FILE... ; prints one JSON object per file on stdout.
"""
import json
import sys

import pydicom


def number(value):
    return None if value is None or value == "" else float(value)


def main(paths):
    for path in paths:
        ds = pydicom.dcmread(path)
        pixels = ds.pixel_array.astype("float64")
        slope = number(ds.get("RescaleSlope", 1)) or 1.0
        intercept = number(ds.get("RescaleIntercept", 0)) or 0.0
        values = pixels * slope + intercept
        print(json.dumps({
            "path": path,
            "sop_instance_uid": str(ds.SOPInstanceUID),
            "series_instance_uid": str(ds.SeriesInstanceUID),
            "study_instance_uid": str(ds.StudyInstanceUID),
            "series_number": int(ds.SeriesNumber),
            "instance_number": int(ds.InstanceNumber),
            "image_position": [float(v) for v in ds.ImagePositionPatient],
            "image_orientation": [float(v) for v in ds.ImageOrientationPatient],
            "pixel_spacing": [float(v) for v in ds.PixelSpacing],
            "slice_thickness": number(ds.get("SliceThickness")),
            "inversion_time": number(ds.get("InversionTime")),
            "phase_encode": str(ds.get("InPlanePhaseEncodingDirection", "")),
            "field_strength": number(ds.get("MagneticFieldStrength")),
            "flip_angle": number(ds.get("FlipAngle")),
            "acquisition_time": str(ds.get("AcquisitionTime", "")),
            "rows": int(ds.Rows),
            "columns": int(ds.Columns),
            "values": values.ravel().tolist(),
        }))


if __name__ == "__main__":
    main(sys.argv[1:])
