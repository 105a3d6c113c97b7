// The only C++ in lgeqa: a thin translation of the C API in lgeqa_dcmtk.h onto dcmtk.

#include "lgeqa_dcmtk.h"

#include "dcmtk/config/osconfig.h"
#include "dcmtk/dcmdata/dctk.h"
#include "dcmtk/dcmdata/dcrledrg.h"
#include "dcmtk/dcmjpeg/djdecode.h"
#include "dcmtk/dcmjpls/djdecode.h"
#include "dcmtk/oflog/oflog.h"

#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>

struct lgeqa_dataset {
    DcmFileFormat file;
    E_TransferSyntax storedSyntax = EXS_Unknown;
    bool decompressed = false;
};

namespace {

void copyString(const std::string &text, char *buffer, size_t length) {
    if (buffer == nullptr || length == 0) return;
    const size_t n = std::min(text.size(), length - 1);
    std::memcpy(buffer, text.data(), n);
    buffer[n] = '\0';
}

DcmItem *asItem(lgeqa_item *item) { return reinterpret_cast<DcmItem *>(item); }
lgeqa_item *asHandle(DcmItem *item) { return reinterpret_cast<lgeqa_item *>(item); }
DcmTagKey tagKey(uint32_t tag) { return DcmTagKey(uint16_t(tag >> 16), uint16_t(tag & 0xFFFF)); }

std::string tagText(const DcmTagKey &key) {
    char text[16];
    std::snprintf(text, sizeof text, "(%04X,%04X)", key.getGroup(), key.getElement());
    return text;
}

/// What the first bytes of a file say: Part 10 ("DICM" at 128), a bare data set that starts
/// with a plausible low group, or neither.
enum class Preamble { part10, bareDataSet, unrecognised, unreadable };

Preamble inspectPreamble(const char *path) {
    FILE *handle = std::fopen(path, "rb");
    if (handle == nullptr) return Preamble::unreadable;
    unsigned char bytes[132] = {0};
    const size_t n = std::fread(bytes, 1, sizeof bytes, handle);
    std::fclose(handle);
    if (n == 132 && std::memcmp(bytes + 128, "DICM", 4) == 0) return Preamble::part10;
    if (n >= 8) {
        // A data set without meta header starts with a low group number, little or big endian.
        const unsigned little = bytes[0] | (bytes[1] << 8);
        const unsigned big = (bytes[0] << 8) | bytes[1];
        if ((little >= 0x0002 && little <= 0x0028 && little % 2 == 0) ||
            (big >= 0x0002 && big <= 0x0028 && big % 2 == 0))
            return Preamble::bareDataSet;
    }
    return Preamble::unrecognised;
}

bool isMagneticResonance(DcmDataset *dataset) {
    OFString modality;
    if (dataset->findAndGetOFString(DCM_Modality, modality).good() && !modality.empty()) return modality == "MR";
    OFString sopClass;
    if (dataset->findAndGetOFString(DCM_SOPClassUID, sopClass).good() && !sopClass.empty())
        return sopClass.compare(0, 27, "1.2.840.10008.5.1.4.1.1.4") == 0;
    return true; // Nothing says otherwise; let later checks decide.
}

/// The tag of the last top-level element that was read, to say where a damaged file breaks.
std::string lastElementText(DcmDataset *dataset) {
    const unsigned long count = dataset->card();
    if (count == 0) return "the start of the data set";
    DcmElement *last = dataset->getElement(count - 1);
    return last ? "element " + tagText(last->getTag().getXTag()) : "the start of the data set";
}

lgeqa_status classifyLoadFailure(DcmDataset *dataset, const OFCondition &condition, char *reason, size_t length) {
    if (condition == EC_StreamNotifyClient && dataset->card() > 0) {
        Uint16 rows = 0;
        const bool hasImageModule = dataset->findAndGetUint16(DCM_Rows, rows).good() && rows > 0;
        // dcmtk keeps the element it was reading when the stream ran out, so a file cut inside
        // the pixel data ends with a (short) PixelData element; one cut just before it has none.
        DcmElement *last = dataset->getElement(dataset->card() - 1);
        const bool endsInPixelData = last != nullptr && last->getTag().getXTag() == DCM_PixelData;
        if (hasImageModule && (endsInPixelData || !dataset->tagExists(DCM_PixelData)) &&
            isMagneticResonance(dataset)) {
            copyString("truncated: the file ends inside the pixel data (7FE0,0010)", reason, length);
            return LGEQA_ERR_TRUNCATED;
        }
        copyString("damaged or truncated DICOM file: the data set breaks after " + lastElementText(dataset) +
                       " (" + condition.text() + ")",
                   reason, length);
        return LGEQA_ERR_DAMAGED;
    }
    copyString(std::string("damaged DICOM file: ") + condition.text() + " after " + lastElementText(dataset), reason,
               length);
    return LGEQA_ERR_DAMAGED;
}

bool isJPEG2000(E_TransferSyntax syntax) {
    return syntax == EXS_JPEG2000LosslessOnly || syntax == EXS_JPEG2000 ||
           syntax == EXS_JPEG2000MulticomponentLosslessOnly || syntax == EXS_JPEG2000Multicomponent;
}

} // namespace

extern "C" {

void lgeqa_register_codecs(void) {
    static std::once_flag once;
    std::call_once(once, [] {
        // dcmtk logs parser warnings to stderr; lgeqa reports problems itself, one line per file.
        OFLog::configure(OFLogger::FATAL_LOG_LEVEL);
        DcmRLEDecoderRegistration::registerCodecs();
        DJDecoderRegistration::registerCodecs();
        DJLSDecoderRegistration::registerCodecs();
    });
}

lgeqa_status lgeqa_dataset_open(const char *path, lgeqa_dataset **out, char *reason, size_t reason_len) {
    *out = nullptr;
    lgeqa_register_codecs();
    const Preamble preamble = inspectPreamble(path);
    switch (preamble) {
    case Preamble::unreadable:
        copyString(std::string("cannot open the file: ") + std::strerror(errno), reason, reason_len);
        return LGEQA_ERR_IO;
    case Preamble::unrecognised:
        copyString("not a DICOM file (no 'DICM' marker at byte 128 and no data set at the start)", reason,
                   reason_len);
        return LGEQA_ERR_NOT_DICOM;
    default:
        break;
    }

    auto *dataset = new lgeqa_dataset();
    OFCondition condition = dataset->file.loadFile(path, EXS_Unknown, EGL_noChange, DCM_MaxReadLength, ERM_autoDetect);
    if (condition.bad() && preamble == Preamble::bareDataSet) {
        // Old PACS exports drop the meta header, and dcmtk's guess of the syntax can be wrong:
        // try the two syntaxes such files are written in.
        for (E_TransferSyntax syntax : {EXS_LittleEndianExplicit, EXS_LittleEndianImplicit}) {
            delete dataset;
            dataset = new lgeqa_dataset();
            condition = dataset->file.loadFile(path, syntax, EGL_noChange, DCM_MaxReadLength, ERM_dataset);
            if (condition.good()) break;
        }
    }
    if (condition.bad()) {
        lgeqa_status status = classifyLoadFailure(dataset->file.getDataset(), condition, reason, reason_len);
        delete dataset;
        return status;
    }
    dataset->storedSyntax = dataset->file.getDataset()->getOriginalXfer();
    *out = dataset;
    return LGEQA_OK;
}

void lgeqa_dataset_close(lgeqa_dataset *dataset) { delete dataset; }

lgeqa_item *lgeqa_dataset_root(lgeqa_dataset *dataset) { return asHandle(dataset->file.getDataset()); }

lgeqa_status lgeqa_dataset_transfer_syntax(lgeqa_dataset *dataset, char *buffer, size_t buffer_len) {
    DcmXfer xfer(dataset->storedSyntax);
    copyString(dataset->storedSyntax == EXS_Unknown ? "" : xfer.getXferID(), buffer, buffer_len);
    return LGEQA_OK;
}

lgeqa_status lgeqa_item_get_string(lgeqa_item *item, uint32_t tag, char *buffer, size_t buffer_len) {
    OFString value;
    if (asItem(item)->findAndGetOFStringArray(tagKey(tag), value, OFFalse).bad()) return LGEQA_ERR_NOT_FOUND;
    const size_t first = value.find_first_not_of(' ');
    if (first == OFString_npos) return LGEQA_ERR_NOT_FOUND;
    const size_t last = value.find_last_not_of(" \0");
    const std::string trimmed(value.c_str() + first, last - first + 1);
    if (trimmed.size() + 1 > buffer_len) return LGEQA_ERR_ARGUMENT;
    copyString(trimmed, buffer, buffer_len);
    return LGEQA_OK;
}

lgeqa_status lgeqa_item_get_uint16(lgeqa_item *item, uint32_t tag, uint16_t *value) {
    return asItem(item)->findAndGetUint16(tagKey(tag), *value, 0, OFFalse).good() ? LGEQA_OK : LGEQA_ERR_NOT_FOUND;
}

size_t lgeqa_item_sequence_count(lgeqa_item *item, uint32_t tag) {
    DcmSequenceOfItems *sequence = nullptr;
    if (asItem(item)->findAndGetSequence(tagKey(tag), sequence, OFFalse).bad() || sequence == nullptr) return 0;
    return sequence->card();
}

lgeqa_item *lgeqa_item_sequence_item(lgeqa_item *item, uint32_t tag, size_t index) {
    DcmItem *found = nullptr;
    if (asItem(item)->findAndGetSequenceItem(tagKey(tag), found, static_cast<signed long>(index), OFFalse).bad())
        return nullptr;
    return asHandle(found);
}

lgeqa_status lgeqa_dataset_pixel_info(lgeqa_dataset *dataset, lgeqa_pixel_info *info, char *reason,
                                      size_t reason_len) {
    DcmDataset *data = dataset->file.getDataset();
    if (!data->tagExists(DCM_PixelData)) {
        copyString("no pixel data (7FE0,0010): not an image", reason, reason_len);
        return LGEQA_ERR_NO_PIXELS;
    }
    if (!dataset->decompressed) {
        if (DcmXfer(dataset->storedSyntax).isEncapsulated()) {
            if (isJPEG2000(dataset->storedSyntax)) {
                copyString("JPEG 2000 compressed pixel data is not supported by this build (dcmtk's free edition); "
                           "convert it first, e.g. `gdcmconv --raw IN OUT` (Debian: libgdcm-tools)",
                           reason, reason_len);
                return LGEQA_ERR_UNSUPPORTED_SYNTAX;
            }
            OFCondition condition = data->chooseRepresentation(EXS_LittleEndianExplicit, nullptr);
            if (condition.bad() || !data->canWriteXfer(EXS_LittleEndianExplicit)) {
                copyString(std::string("cannot decompress pixel data stored as ") +
                               DcmXfer(dataset->storedSyntax).getXferName() + ": " + condition.text(),
                           reason, reason_len);
                return LGEQA_ERR_UNSUPPORTED_SYNTAX;
            }
        }
        dataset->decompressed = true;
    }

    Uint16 rows = 0, columns = 0, samples = 1, allocated = 0, stored = 0, highBit = 0, representation = 0;
    if (data->findAndGetUint16(DCM_Rows, rows).bad() || data->findAndGetUint16(DCM_Columns, columns).bad() ||
        rows == 0 || columns == 0) {
        copyString("the image pixel module has no Rows/Columns", reason, reason_len);
        return LGEQA_ERR_BAD_PIXELS;
    }
    data->findAndGetUint16(DCM_SamplesPerPixel, samples);
    if (data->findAndGetUint16(DCM_BitsAllocated, allocated).bad()) {
        copyString("the image pixel module has no BitsAllocated (0028,0100)", reason, reason_len);
        return LGEQA_ERR_BAD_PIXELS;
    }
    if (data->findAndGetUint16(DCM_BitsStored, stored).bad()) stored = allocated;
    if (data->findAndGetUint16(DCM_HighBit, highBit).bad()) highBit = stored - 1;
    data->findAndGetUint16(DCM_PixelRepresentation, representation);
    Sint32 frames = 1;
    data->findAndGetSint32(DCM_NumberOfFrames, frames);
    if (frames < 1) frames = 1;

    if (samples != 1) {
        copyString("colour images (SamplesPerPixel " + std::to_string(samples) + ") are not MR magnitude or PSIR data",
                   reason, reason_len);
        return LGEQA_ERR_BAD_PIXELS;
    }
    if (allocated != 8 && allocated != 16 && allocated != 32) {
        copyString("BitsAllocated " + std::to_string(allocated) + " is not supported (8, 16 or 32 expected)", reason,
                   reason_len);
        return LGEQA_ERR_BAD_PIXELS;
    }
    if (stored == 0 || stored > allocated || highBit >= allocated || highBit + 1 < stored) {
        copyString("inconsistent pixel module: BitsAllocated " + std::to_string(allocated) + ", BitsStored " +
                       std::to_string(stored) + ", HighBit " + std::to_string(highBit),
                   reason, reason_len);
        return LGEQA_ERR_BAD_PIXELS;
    }

    DcmElement *pixels = nullptr;
    data->findAndGetElement(DCM_PixelData, pixels);
    const unsigned long long expected =
        static_cast<unsigned long long>(rows) * columns * static_cast<unsigned long long>(frames) * (allocated / 8);
    if (pixels == nullptr || pixels->getLength() < expected) {
        copyString("truncated pixel data: " + std::to_string(pixels ? pixels->getLength() : 0) + " bytes, expected " +
                       std::to_string(expected) + " for " + std::to_string(frames) + " frame(s) of " +
                       std::to_string(rows) + "x" + std::to_string(columns),
                   reason, reason_len);
        return LGEQA_ERR_TRUNCATED;
    }
    info->rows = rows;
    info->columns = columns;
    info->frames = static_cast<uint32_t>(frames);
    info->samples_per_pixel = samples;
    info->bits_allocated = allocated;
    info->bits_stored = stored;
    info->high_bit = highBit;
    info->pixel_representation = representation;
    return LGEQA_OK;
}

lgeqa_status lgeqa_dataset_frame_values(lgeqa_dataset *dataset, uint32_t frame, float *out, size_t count,
                                        char *reason, size_t reason_len) {
    lgeqa_pixel_info info;
    lgeqa_status status = lgeqa_dataset_pixel_info(dataset, &info, reason, reason_len);
    if (status != LGEQA_OK) return status;
    const size_t perFrame = size_t(info.rows) * info.columns;
    if (frame >= info.frames || count < perFrame) {
        copyString("frame " + std::to_string(frame) + " is outside 0..<" + std::to_string(info.frames), reason,
                   reason_len);
        return LGEQA_ERR_ARGUMENT;
    }
    DcmElement *pixels = nullptr;
    dataset->file.getDataset()->findAndGetElement(DCM_PixelData, pixels);

    const unsigned shift = info.high_bit + 1 - info.bits_stored;
    const uint32_t mask = info.bits_stored >= 32 ? 0xFFFFFFFFu : ((1u << info.bits_stored) - 1u);
    const uint32_t signBit = 1u << (info.bits_stored - 1);
    const bool isSigned = info.pixel_representation == 1;
    auto convert = [&](uint32_t raw) -> float {
        uint32_t value = (raw >> shift) & mask;
        if (isSigned && (value & signBit)) return float(int64_t(value) - (int64_t(1) << info.bits_stored));
        return float(value);
    };

    const size_t offset = size_t(frame) * perFrame;
    if (info.bits_allocated == 8) {
        Uint8 *bytes = nullptr;
        if (pixels->getUint8Array(bytes).bad() || bytes == nullptr) goto unreadable;
        for (size_t i = 0; i < perFrame; ++i) out[i] = convert(bytes[offset + i]);
    } else if (info.bits_allocated == 16) {
        Uint16 *words = nullptr;
        if (pixels->getUint16Array(words).bad() || words == nullptr) goto unreadable;
        const Uint16 *source = words + offset;
        if (shift == 0 && info.bits_stored == 16) {
            // The common case (and the one the benchmark measures): no masking needed.
            if (isSigned)
                for (size_t i = 0; i < perFrame; ++i) out[i] = float(int16_t(source[i]));
            else
                for (size_t i = 0; i < perFrame; ++i) out[i] = float(source[i]);
        } else {
            for (size_t i = 0; i < perFrame; ++i) out[i] = convert(source[i]);
        }
    } else {
        Uint16 *words = nullptr;
        if (pixels->getUint16Array(words).bad() || words == nullptr) goto unreadable;
        for (size_t i = 0; i < perFrame; ++i) {
            const size_t at = 2 * (offset + i);
            out[i] = convert(uint32_t(words[at]) | (uint32_t(words[at + 1]) << 16));
        }
    }
    return LGEQA_OK;

unreadable:
    copyString("the pixel data element cannot be read as " + std::to_string(info.bits_allocated) + "-bit values",
               reason, reason_len);
    return LGEQA_ERR_BAD_PIXELS;
}

lgeqa_dataset *lgeqa_dataset_create(void) {
    lgeqa_register_codecs();
    return new lgeqa_dataset();
}

lgeqa_status lgeqa_item_put_string(lgeqa_item *item, uint32_t tag, const char *value) {
    return asItem(item)->putAndInsertString(DcmTag(tagKey(tag)), value).good() ? LGEQA_OK : LGEQA_ERR_ARGUMENT;
}

lgeqa_item *lgeqa_item_append_sequence_item(lgeqa_item *item, uint32_t tag) {
    DcmItem *created = nullptr;
    if (asItem(item)->findOrCreateSequenceItem(tagKey(tag), created, -2).bad()) return nullptr;
    return asHandle(created);
}

lgeqa_status lgeqa_dataset_put_pixels16(lgeqa_dataset *dataset, const uint16_t *values, uint16_t rows,
                                        uint16_t columns, uint32_t frames, int is_signed) {
    DcmDataset *data = dataset->file.getDataset();
    if (frames == 0) return LGEQA_ERR_ARGUMENT;
    const unsigned long count = static_cast<unsigned long>(rows) * columns * frames;
    OFCondition condition = data->putAndInsertUint16(DCM_Rows, rows);
    if (condition.good() && frames > 1)
        condition = data->putAndInsertString(DCM_NumberOfFrames, std::to_string(frames).c_str());
    if (condition.good()) condition = data->putAndInsertUint16(DCM_Columns, columns);
    if (condition.good()) condition = data->putAndInsertUint16(DCM_SamplesPerPixel, 1);
    if (condition.good()) condition = data->putAndInsertString(DCM_PhotometricInterpretation, "MONOCHROME2");
    if (condition.good()) condition = data->putAndInsertUint16(DCM_BitsAllocated, 16);
    if (condition.good()) condition = data->putAndInsertUint16(DCM_BitsStored, 16);
    if (condition.good()) condition = data->putAndInsertUint16(DCM_HighBit, 15);
    if (condition.good()) condition = data->putAndInsertUint16(DCM_PixelRepresentation, is_signed ? 1 : 0);
    if (condition.good()) condition = data->putAndInsertUint16Array(DCM_PixelData, values, count);
    return condition.good() ? LGEQA_OK : LGEQA_ERR_ARGUMENT;
}

lgeqa_status lgeqa_dataset_save(lgeqa_dataset *dataset, const char *path, char *reason, size_t reason_len) {
    OFCondition condition =
        dataset->file.saveFile(path, EXS_LittleEndianExplicit, EET_ExplicitLength, EGL_recalcGL, EPD_noChange);
    if (condition.bad()) {
        copyString(std::string("cannot write DICOM file: ") + condition.text(), reason, reason_len);
        return LGEQA_ERR_WRITE;
    }
    return LGEQA_OK;
}

} // extern "C"
