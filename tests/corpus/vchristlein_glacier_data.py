# Corpus file for tests/test_script_corpus.py (stored verbatim below this header).
# Source: https://github.com/VChristlein/PixelwiseDistanceRegression4GlacierSegmentation/blob/40f59e8e127edc0280b4cef3fe448219381656e1/util/data.py
# Repository VChristlein/PixelwiseDistanceRegression4GlacierSegmentation, commit 40f59e8e127edc0280b4cef3fe448219381656e1, path util/data.py
# Licence: MIT (the notice is in tests/corpus/NOTICE.md)
from tensorflow.keras.preprocessing.image import ImageDataGenerator
import numpy as np


def DataGenerator(batch_size, train_path, image_folder, mask_folder, image_color_mode="grayscale", mask_color_mode="grayscale",
                  target_size=(512, 512), seed=1):
    '''
    can generate image and mask at the same time
    use the same seed for image_datagen and mask_datagen to ensure the transformation for image and mask is the same
    if you want to visualize the results of generator, set save_to_dir = "your path"
    '''

    image_datagen = ImageDataGenerator(rescale=1. / 255)
    mask_datagen = ImageDataGenerator(rescale=1. / 255)

    image_generator = image_datagen.flow_from_directory(
        train_path,
        classes=[image_folder],
        class_mode=None,
        color_mode=image_color_mode,
        target_size=target_size,
        batch_size=batch_size,
        seed=seed)
    mask_generator = mask_datagen.flow_from_directory(
        train_path,
        classes=[mask_folder],
        class_mode=None,
        color_mode=mask_color_mode,
        target_size=target_size,
        batch_size=batch_size,
        seed=seed)

    return zip(image_generator, mask_generator)
