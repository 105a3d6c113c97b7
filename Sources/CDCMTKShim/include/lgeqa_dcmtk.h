/*
 * A narrow C API over dcmtk, so Swift never sees C++.
 *
 * Ownership: a dataset handle owns everything reachable from it; item handles are borrowed
 * views into their dataset and die with it. Every function that can fail returns an
 * lgeqa_status and writes a human-readable reason into the caller's buffer.
 */
#ifndef LGEQA_DCMTK_H
#define LGEQA_DCMTK_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum lgeqa_status {
    LGEQA_OK = 0,
    LGEQA_ERR_IO = 1,                /* cannot open or read the file */
    LGEQA_ERR_NOT_DICOM = 2,         /* no recognisable DICOM data */
    LGEQA_ERR_DAMAGED = 3,           /* parse error inside the data set */
    LGEQA_ERR_TRUNCATED = 4,         /* the file ends before the pixel data does */
    LGEQA_ERR_UNSUPPORTED_SYNTAX = 5,/* compressed with a codec this build lacks */
    LGEQA_ERR_NO_PIXELS = 6,         /* no pixel data element */
    LGEQA_ERR_BAD_PIXELS = 7,        /* pixel module inconsistent or unsupported */
    LGEQA_ERR_NOT_FOUND = 8,         /* attribute absent or empty */
    LGEQA_ERR_WRITE = 9,             /* cannot write the file */
    LGEQA_ERR_ARGUMENT = 10          /* caller passed something impossible */
} lgeqa_status;

typedef struct lgeqa_dataset lgeqa_dataset; /* a DICOM file: meta header plus data set */
typedef struct lgeqa_item lgeqa_item;       /* the data set itself or a sequence item */

/* Registers dcmtk's RLE, JPEG and JPEG-LS decoders once per process; safe from any thread. */
void lgeqa_register_codecs(void);

/* --- Reading ------------------------------------------------------------------------- */

/* Loads a file. Files without a meta header are read too: when the transfer syntax cannot
 * be detected, explicit then implicit little endian are tried. On failure *out is NULL. */
lgeqa_status lgeqa_dataset_open(const char *path, lgeqa_dataset **out, char *reason, size_t reason_len);

void lgeqa_dataset_close(lgeqa_dataset *dataset);

/* The root data set (not the meta header). */
lgeqa_item *lgeqa_dataset_root(lgeqa_dataset *dataset);

/* The transfer syntax UID the file was stored in ("" if unknown). */
lgeqa_status lgeqa_dataset_transfer_syntax(lgeqa_dataset *dataset, char *buffer, size_t buffer_len);

/* An attribute's whole value as a string (multiple values joined by '\'), trimmed. */
lgeqa_status lgeqa_item_get_string(lgeqa_item *item, uint32_t tag, char *buffer, size_t buffer_len);

/* An unsigned short (US) attribute. */
lgeqa_status lgeqa_item_get_uint16(lgeqa_item *item, uint32_t tag, uint16_t *value);

/* Number of items in a sequence attribute (0 if absent). */
size_t lgeqa_item_sequence_count(lgeqa_item *item, uint32_t tag);

/* Item `index` of a sequence attribute, or NULL. */
lgeqa_item *lgeqa_item_sequence_item(lgeqa_item *item, uint32_t tag, size_t index);

/* Describes the image pixel module after decompression. */
typedef struct lgeqa_pixel_info {
    uint16_t rows;
    uint16_t columns;
    uint32_t frames;
    uint16_t samples_per_pixel;
    uint16_t bits_allocated;
    uint16_t bits_stored;
    uint16_t high_bit;
    uint16_t pixel_representation; /* 0 unsigned, 1 two's complement */
} lgeqa_pixel_info;

/* Decompresses if needed and validates the pixel module against the pixel data length. */
lgeqa_status lgeqa_dataset_pixel_info(lgeqa_dataset *dataset, lgeqa_pixel_info *info, char *reason, size_t reason_len);

/* Stored values of one frame as float (masked to BitsStored, sign-extended), before any
 * modality transform. `out` holds rows*columns values. */
lgeqa_status lgeqa_dataset_frame_values(lgeqa_dataset *dataset, uint32_t frame, float *out, size_t count,
                                        char *reason, size_t reason_len);

/* --- Writing ------------------------------------------------------------------------- */

lgeqa_dataset *lgeqa_dataset_create(void);

/* Sets an attribute from its string form; the VR comes from dcmtk's data dictionary. */
lgeqa_status lgeqa_item_put_string(lgeqa_item *item, uint32_t tag, const char *value);

/* Appends an empty item to a sequence attribute (creating it) and returns that item. */
lgeqa_item *lgeqa_item_append_sequence_item(lgeqa_item *item, uint32_t tag);

/* Stores `frames` 16-bit monochrome frames, contiguous in `values` (OW, little endian on
 * disk); sets NumberOfFrames when there is more than one. */
lgeqa_status lgeqa_dataset_put_pixels16(lgeqa_dataset *dataset, const uint16_t *values, uint16_t rows,
                                        uint16_t columns, uint32_t frames, int is_signed);

/* Writes Part 10 explicit VR little endian with a fresh meta header. */
lgeqa_status lgeqa_dataset_save(lgeqa_dataset *dataset, const char *path, char *reason, size_t reason_len);

#ifdef __cplusplus
}
#endif

#endif /* LGEQA_DCMTK_H */
