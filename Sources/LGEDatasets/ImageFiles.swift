import LGEDICOM

/// Image files a data set is made of, read with errors that name the file.
enum ImageFiles {
    /// An 8-bit grayscale PNG, values 0…255.
    static func readPNG(_ path: String) throws(DatasetError) -> PixelImage {
        do { return try GrayscalePNG.read(path) } catch { throw .unreadableImage(path: path, reason: error.reason) }
    }

    /// A segmentation PNG that must lie on `image`'s grid (a mask on another grid would teach the wrong place).
    static func readMask(_ path: String, matching image: PixelImage) throws(DatasetError) -> PixelImage {
        let mask = try readPNG(path)
        guard mask.rows == image.rows, mask.columns == image.columns else {
            throw .badMask(path: path, reason: "mask is \(mask.columns)×\(mask.rows) but its image is \(image.columns)×\(image.rows)")
        }
        return mask
    }
}
