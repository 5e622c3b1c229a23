export { decodeImage, type DecodeOptions, type ImageInput } from './decode';
export { checkRawImage, DEFAULT_MAX_PIXELS, type RawImage, type RgbImage, type PixelOrder } from './raw-image';
export { releasePixels, withDecodedImage } from './release';
