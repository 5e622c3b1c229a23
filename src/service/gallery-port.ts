/**
 * What the service needs of a gallery, named in one place: the part of the public Gallery
 * (src/gallery) that FaceService and the routes call.
 */
import type { Gallery } from '../gallery';

export type ServiceGallery = Pick<
  Gallery,
  'model' | 'location' | 'status' | 'search' | 'searchFrame' | 'add' | 'addMany' | 'remove' | 'list' | 'samples' | 'hasSource' | 'hasLabel' | 'sightings' | 'keys' | 'close'
>;
