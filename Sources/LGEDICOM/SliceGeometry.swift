/// A point or direction in the patient coordinate system (LPS: +x patient left,
/// +y posterior, +z head), in millimetres.
public typealias PatientVector = SIMD3<Double>

extension SIMD3 where Scalar == Double {
    /// The dot product.
    @inlinable public func dot(_ other: Self) -> Double { (self * other).sum() }

    /// The cross product.
    @inlinable public func cross(_ other: Self) -> Self {
        Self(y * other.z - z * other.y, z * other.x - x * other.z, x * other.y - y * other.x)
    }

    /// The Euclidean length.
    @inlinable public var length: Double { dot(self).squareRoot() }

    /// This vector scaled to unit length (unchanged if it has none).
    @inlinable public var normalized: Self {
        let l = length
        return l > 0 ? self / l : self
    }
}

/// Physical spacing of the pixel grid, as DICOM's PixelSpacing (0028,0030) orders it.
public struct PixelSpacing: Sendable, Hashable, Codable {
    /// Distance between the centres of adjacent rows (the vertical spacing), in mm.
    public var betweenRows: Double
    /// Distance between the centres of adjacent columns (the horizontal spacing), in mm.
    public var betweenColumns: Double

    public init(betweenRows: Double, betweenColumns: Double) {
        self.betweenRows = betweenRows
        self.betweenColumns = betweenColumns
    }
}

/// Where an image plane lies in the patient: the Image Plane module.
public struct SliceGeometry: Sendable, Hashable, Codable {
    /// Centre of the first transmitted pixel (ImagePositionPatient), mm.
    public var position: PatientVector
    /// Direction of increasing column index along a row (first half of ImageOrientationPatient).
    public var rowDirection: PatientVector
    /// Direction of increasing row index down a column (second half of ImageOrientationPatient).
    public var columnDirection: PatientVector
    public var pixelSpacing: PixelSpacing
    public var rows: Int
    public var columns: Int
    /// Nominal slice thickness, mm.
    public var sliceThickness: Double?

    public init(
        position: PatientVector, rowDirection: PatientVector, columnDirection: PatientVector,
        pixelSpacing: PixelSpacing, rows: Int, columns: Int, sliceThickness: Double? = nil
    ) {
        self.position = position
        self.rowDirection = rowDirection
        self.columnDirection = columnDirection
        self.pixelSpacing = pixelSpacing
        self.rows = rows
        self.columns = columns
        self.sliceThickness = sliceThickness
    }

    /// Unit normal of the plane (row × column), the direction slices of a stack advance along.
    public var normal: PatientVector { rowDirection.cross(columnDirection).normalized }

    /// The patient-space point at a (fractional) pixel index.
    public func point(row: Double, column: Double) -> PatientVector {
        position + rowDirection * (column * pixelSpacing.betweenColumns)
            + columnDirection * (row * pixelSpacing.betweenRows)
    }

    /// Centre of the field of view.
    public var centre: PatientVector { point(row: Double(rows - 1) / 2, column: Double(columns - 1) / 2) }

    /// Field of view along rows and columns, mm.
    public var fieldOfView: (width: Double, height: Double) {
        (Double(columns) * pixelSpacing.betweenColumns, Double(rows) * pixelSpacing.betweenRows)
    }

    /// Signed distance of the plane from the origin along its own normal: the coordinate that
    /// orders a stack of parallel slices.
    public var offsetAlongNormal: Double { position.dot(normal) }

    /// Whether the row and column directions are unit length and orthogonal (within `tolerance`).
    public func isOrthonormal(tolerance: Double = 1e-3) -> Bool {
        abs(rowDirection.length - 1) < tolerance && abs(columnDirection.length - 1) < tolerance
            && abs(rowDirection.dot(columnDirection)) < tolerance
    }
}
