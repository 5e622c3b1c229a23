export { decodeImage, type DecodeOptions, type ImageInput } from './decode';
export { checkRawImage, copyPacked, i420ChromaBytes, packedBytes, DEFAULT_MAX_PIXELS, type RawImage, type RgbImage, type PixelOrder } from './raw-image';
export { releasePixels, withDecodedImage } from './release';
export { i420CropToRgb, i420Layout, rgbToYuv } from './yuv';
