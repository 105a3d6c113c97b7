import CPNG
import LGEDICOM

/// Reads 8-bit grayscale PNG files through libpng's simplified API.
enum PNGReader {
    /// The image as stored values 0…255, row-major.
    static func readGray8(_ path: String) throws(DatasetError) -> PixelImage {
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        guard png_image_begin_read_from_file(&image, path) != 0 else {
            throw DatasetError.unreadableImage(path: path, reason: message(of: &image))
        }
        image.format = UInt32(PNG_FORMAT_GRAY)
        let (width, height) = (Int(image.width), Int(image.height))
        var bytes = [UInt8](repeating: 0, count: width * height)
        let finished = bytes.withUnsafeMutableBytes { png_image_finish_read(&image, nil, $0.baseAddress, 0, nil) }
        guard finished != 0 else {
            let reason = message(of: &image)
            png_image_free(&image)
            throw DatasetError.unreadableImage(path: path, reason: reason)
        }
        return PixelImage(rows: height, columns: width, values: bytes.map(Float.init))
    }

    private static func message(of image: inout png_image) -> String {
        withUnsafeBytes(of: &image.message) { raw in
            let bytes = raw.prefix { $0 != 0 }
            return bytes.isEmpty ? "not a readable PNG" : String(decoding: bytes, as: UTF8.self)
        }
    }
}
