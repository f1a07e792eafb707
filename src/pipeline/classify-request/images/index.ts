export { Base64Data, BufferSource, type ByteSource } from "./byte-source.js";
export {
  CATALOGUE_SOURCES,
  type CameraCatalogue,
  CameraCatalogueError,
  type CameraMatch,
  compileCameraCatalogue,
  loadCameraCatalogue,
  normaliseMake,
  normaliseModel,
} from "./camera-catalogue.js";
export { isDataUrl, parseDataUrl } from "./data-url.js";
export { createExifReader, type ExifReader, exifDateToIso } from "./exif.js";
export { locateExif } from "./locate-exif.js";
export {
  inspectMultipartImagePart,
  MULTIPART_PREFIX_BYTES,
  type MultipartImagePart,
  type MultipartPartHeaders,
} from "./multipart.js";
export { formatFromMediaType, sniffFormat, sniffSource } from "./sniff.js";
