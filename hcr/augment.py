"""Training-time variation: how the same character comes out of different hands and canvases.

One random affine warp per image (rotation, shear, independent x/y scale, shift) applied in a
single resampling, so the strokes are not blurred four times over, then a random change of
stroke thickness. Works on batches inside tf.data; TensorFlow only, never used at serving.
"""

import math

import tensorflow as tf

MAX_ROTATION_DEG = 12
MAX_SHEAR = 0.25
SCALE_RANGE = (0.85, 1.12)
MAX_SHIFT_PX = 2.5
# Blend factor toward a 3x3 dilation (thicker, > 0) or erosion (thinner, < 0).
THICKNESS_RANGE = (-0.5, 0.8)


def random_affine(images, seed):
    """images: (n, 28, 28, 1) float32. seed: a stateless seed (2 ints)."""
    n = tf.shape(images)[0]
    seeds = tf.random.experimental.stateless_split(seed, 6)

    def uniform(i, low, high):
        return tf.random.stateless_uniform([n], seeds[i], low, high)

    angle = uniform(0, -1.0, 1.0) * (MAX_ROTATION_DEG * math.pi / 180)
    shear = uniform(1, -MAX_SHEAR, MAX_SHEAR)
    scale_x = uniform(2, *SCALE_RANGE)
    scale_y = uniform(3, *SCALE_RANGE)
    shift_x = uniform(4, -MAX_SHIFT_PX, MAX_SHIFT_PX)
    shift_y = uniform(5, -MAX_SHIFT_PX, MAX_SHIFT_PX)

    # The projective transform maps each output pixel to the input pixel it samples:
    # input = A @ (output - centre) + centre - shift, with A = rotation @ shear @ 1/scale.
    cos, sin = tf.cos(angle), tf.sin(angle)
    a00, a01 = cos / scale_x, (cos * shear - sin) / scale_y
    a10, a11 = sin / scale_x, (sin * shear + cos) / scale_y
    cx, cy = 13.5, 13.5
    b0 = cx - a00 * cx - a01 * cy - shift_x
    b1 = cy - a10 * cx - a11 * cy - shift_y
    zeros = tf.zeros_like(angle)
    transforms = tf.stack([a00, a01, b0, a10, a11, b1, zeros, zeros], axis=1)
    return tf.raw_ops.ImageProjectiveTransformV3(
        images=images, transforms=transforms, output_shape=[28, 28],
        fill_value=0.0, interpolation="BILINEAR", fill_mode="CONSTANT")


def random_thickness(images, seed):
    n = tf.shape(images)[0]
    amount = tf.random.stateless_uniform([n, 1, 1, 1], seed, *THICKNESS_RANGE)
    thicker = tf.nn.max_pool2d(images, 3, 1, "SAME")
    thinner = -tf.nn.max_pool2d(-images, 3, 1, "SAME")
    target = tf.where(amount > 0, thicker, thinner)
    return images + tf.abs(amount) * (target - images)


def augment_batch(images, seed):
    seed_affine, seed_thickness = tf.unstack(tf.random.experimental.stateless_split(seed, 2))
    images = random_thickness(images, seed_thickness)
    return tf.clip_by_value(random_affine(images, seed_affine), 0.0, 1.0)

