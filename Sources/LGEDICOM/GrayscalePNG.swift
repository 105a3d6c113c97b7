import CPNG

/// 8-bit grayscale PNG files through libpng's simplified API: EMIDEC's slices and masks, and the
/// lesion masks the simulator writes beside its DICOM files.
public enum GrayscalePNG {
    /// Why a PNG could not be read or written.
    public struct Failure: Error, Sendable, Hashable, CustomStringConvertible {
        public var path: String
        public var reason: String
        public var description: String { "\(path): \(reason)" }
    }

    /// The image as stored values 0…255, row-major.
    public static func read(_ path: String) throws(Failure) -> PixelImage {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        guard png_image_begin_read_from_file(&image, path) != 0 else {
            throw Failure(path: path, reason: message(of: &image, otherwise: "not a readable PNG"))
        }
        image.format = UInt32(PNG_FORMAT_GRAY)
        let (width, height) = (Int(image.width), Int(image.height))
        var bytes = [UInt8](repeating: 0, count: width * height)
        let finished = bytes.withUnsafeMutableBytes { png_image_finish_read(&image, nil, $0.baseAddress, 0, nil) }
        guard finished != 0 else {
            let reason = message(of: &image, otherwise: "not a readable PNG")
            png_image_free(&image)
            throw Failure(path: path, reason: reason)
        }
        return PixelImage(rows: height, columns: width, values: bytes.map(Float.init))
    }

    /// Writes `bytes` (rows × columns, row-major) as an 8-bit grayscale PNG.
    public static func write(_ bytes: [UInt8], rows: Int, columns: Int, to path: String) throws(Failure) {
        precondition(bytes.count == rows * columns, "one byte per pixel")
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        image.width = UInt32(columns)
        image.height = UInt32(rows)
        image.format = UInt32(PNG_FORMAT_GRAY)
        let written = bytes.withUnsafeBytes { png_image_write_to_file(&image, path, 0, $0.baseAddress, Int32(columns), nil) }
        defer { png_image_free(&image) }
        guard written != 0 else { throw Failure(path: path, reason: message(of: &image, otherwise: "cannot write the PNG")) }
    }

    private static func message(of image: inout png_image, otherwise fallback: String) -> String {
        withUnsafeBytes(of: &image.message) { raw in
            let bytes = raw.prefix { $0 != 0 }
            return bytes.isEmpty ? fallback : String(decoding: bytes, as: UTF8.self)
        }
    }
}
