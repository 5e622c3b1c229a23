/**
 * Where face-reidentification-retail-0095 expects the five landmarks, as fractions of its
 * square crop: left eye, right eye, nose tip, left mouth corner, right mouth corner.
 * native/kernels/reference_landmarks.hpp holds the same numbers (a test keeps them equal).
 */
export const REFERENCE_LANDMARKS: readonly (readonly [number, number])[] = Object.freeze([
  Object.freeze([0.31556875, 0.46157411] as const),
  Object.freeze([0.68262292, 0.46157411] as const),
  Object.freeze([0.5002625, 0.64050536] as const),
  Object.freeze([0.34947188, 0.82469196] as const),
  Object.freeze([0.65343646, 0.82469196] as const),
]);

/** The crop size the model takes. */
export const DEFAULT_CROP_SIZE = 128;
