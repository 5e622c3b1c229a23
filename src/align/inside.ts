/**
 * Landmarks far outside the image would align a crop of mostly black border and yield an
 * embedding that looks valid but means nothing: refuse them. A face cut by the frame edge is
 * still accepted (points may lie a quarter of the image size beyond the border).
 */
import { toPointArray, type Landmarks } from './landmarks';
import { outOfRange } from '../errors';

const POINT_NAMES = ['left eye', 'right eye', 'nose tip', 'left mouth corner', 'right mouth corner'];
export const OUTSIDE_MARGIN = 0.25;

export function checkLandmarksInside(landmarks: Landmarks, width: number, height: number, name = 'landmarks'): Float64Array {
  const points = toPointArray(landmarks, name);
  const mx = OUTSIDE_MARGIN * width;
  const my = OUTSIDE_MARGIN * height;
  for (let k = 0; k < 5; k++) {
    const x = points[2 * k];
    const y = points[2 * k + 1];
    if (x < -mx || x > width + mx || y < -my || y > height + my) {
      throw outOfRange(
        `a point within the ${width}x${height} image (margin ${OUTSIDE_MARGIN * 100}%)`,
        `${name} ${POINT_NAMES[k]}`,
        `(${x}, ${y})`,
      );
    }
  }
  return points;
}
