"""build_model(): the Keras network, nothing else."""

import keras
from keras import layers

from hcr.charset import NUM_CLASSES

INPUT_SHAPE = (28, 28, 1)  # float32 in [0, 1], white ink on black, upright


def conv_bn_relu(x, filters):
    # No conv bias: BatchNormalization's shift does its job.
    x = layers.Conv2D(filters, 3, padding="same", use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    return layers.Activation("relu")(x)


def build_model(num_classes=NUM_CLASSES, widths=(32, 64, 128), dense_units=256):
    """A VGG-style CNN: three blocks of two 3x3 convolutions, each halving the image.

    Outputs logits; the exported LiteRT model adds the softmax.
    """
    inputs = keras.Input(shape=INPUT_SHAPE, name="image")
    x = inputs
    for i, filters in enumerate(widths):
        x = conv_bn_relu(x, filters)
        x = conv_bn_relu(x, filters)
        x = layers.MaxPooling2D()(x)
        if i > 0:
            x = layers.Dropout(0.1)(x)
    x = layers.Flatten()(x)
    x = layers.Dense(dense_units, use_bias=False)(x)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    x = layers.Dropout(0.4)(x)
    outputs = layers.Dense(num_classes, name="logits")(x)
    return keras.Model(inputs, outputs, name="hcr_cnn")
