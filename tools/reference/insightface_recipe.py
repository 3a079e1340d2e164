#!/usr/bin/python3
"""InsightFace's Python recipe, run with OpenCV alone, as a reference for FaceApi (issue 10).

A development tool, not part of CI. It follows insightface/model_zoo/scrfd.py (detect, letterbox
with cv2.resize, distance2bbox/distance2kps, nms), insightface/utils/face_align.py (norm_crop:
skimage SimilarityTransform + cv2.warpAffine) and arcface_onnx.py (get_feat: cv2.dnn.blobFromImages),
with cv2.dnn instead of onnxruntime, on the shared test models and photos. It writes, for the
largest face of every photo, the landmarks and the L2-normalised embedding; FaceApi's
ReferenceRecipeTests compares its own pipeline with that file.

Needs Debian's python3-opencv (4.6), python3-skimage, python3-onnx and python3-numpy. Run from the repository root:
    /usr/bin/python3 tools/reference/insightface_recipe.py ../shared/testdata tests/FaceApi.Core.Tests/Pipeline/reference_recipe.json
"""
import json
import os
import sys

import cv2
import numpy as np
import onnx
import onnx.numpy_helper
from skimage import transform as trans

# insightface/utils/face_align.py, arcface_dst.
ARCFACE_DST = np.array([[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366],
                        [41.5493, 92.3655], [70.7299, 92.2041]], dtype=np.float32)
STRIDES = [8, 16, 32]
NUM_ANCHORS = 2
DET_SIZE = (640, 640)
DET_THRESH = 0.5
NMS_THRESH = 0.4


def scrfd_outputs(net):
    """Orders cv2.dnn's outputs as scrfd.py expects: scores, boxes, keypoints, each finest stride first."""
    names = net.getUnconnectedOutLayersNames()
    outs = net.forward(names)
    by_role = {1: [], 4: [], 10: []}
    for out in outs:
        out = out.reshape(-1, out.shape[-1])
        by_role[out.shape[-1]].append(out)
    return [sorted(by_role[k], key=lambda o: -o.shape[0]) for k in (1, 4, 10)]


def detect(net, img):
    # scrfd.py detect(): letterbox into the top-left corner of a black canvas.
    im_ratio = float(img.shape[0]) / img.shape[1]
    model_ratio = float(DET_SIZE[1]) / DET_SIZE[0]
    if im_ratio > model_ratio:
        new_height = DET_SIZE[1]
        new_width = int(new_height / im_ratio)
    else:
        new_width = DET_SIZE[0]
        new_height = int(new_width * im_ratio)
    det_scale = float(new_height) / img.shape[0]
    resized_img = cv2.resize(img, (new_width, new_height))
    det_img = np.zeros((DET_SIZE[1], DET_SIZE[0], 3), dtype=np.uint8)
    det_img[:new_height, :new_width, :] = resized_img

    # scrfd.py forward(): input_mean 127.5, input_std 128, RGB.
    blob = cv2.dnn.blobFromImage(det_img, 1.0 / 128.0, DET_SIZE, (127.5, 127.5, 127.5), swapRB=True)
    net.setInput(blob)
    scores_out, boxes_out, kps_out = scrfd_outputs(net)
    scores_list, bboxes_list, kpss_list = [], [], []
    for idx, stride in enumerate(STRIDES):
        scores = scores_out[idx]
        bbox_preds = boxes_out[idx] * stride
        kps_preds = kps_out[idx] * stride
        height, width = DET_SIZE[1] // stride, DET_SIZE[0] // stride
        anchor_centers = np.stack(np.mgrid[:height, :width][::-1], axis=-1).astype(np.float32)
        anchor_centers = (anchor_centers * stride).reshape((-1, 2))
        anchor_centers = np.stack([anchor_centers] * NUM_ANCHORS, axis=1).reshape((-1, 2))
        pos_inds = np.where(scores >= DET_THRESH)[0]
        x1 = anchor_centers[:, 0] - bbox_preds[:, 0]
        y1 = anchor_centers[:, 1] - bbox_preds[:, 1]
        x2 = anchor_centers[:, 0] + bbox_preds[:, 2]
        y2 = anchor_centers[:, 1] + bbox_preds[:, 3]
        bboxes = np.stack([x1, y1, x2, y2], axis=-1)
        kpss = np.stack([anchor_centers[:, i % 2] + kps_preds[:, i] for i in range(10)], axis=-1).reshape((-1, 5, 2))
        scores_list.append(scores[pos_inds])
        bboxes_list.append(bboxes[pos_inds])
        kpss_list.append(kpss[pos_inds])

    scores = np.vstack(scores_list)
    order = scores.ravel().argsort()[::-1]
    bboxes = np.vstack(bboxes_list) / det_scale
    kpss = np.vstack(kpss_list) / det_scale
    pre_det = np.hstack((bboxes, scores)).astype(np.float32, copy=False)[order, :]
    keep = nms(pre_det)
    return pre_det[keep, :], kpss[order, :, :][keep, :, :]


def nms(dets):
    # scrfd.py nms(): greedy, areas with the +1 of inclusive pixel coordinates.
    x1, y1, x2, y2, scores = dets[:, 0], dets[:, 1], dets[:, 2], dets[:, 3], dets[:, 4]
    areas = (x2 - x1 + 1) * (y2 - y1 + 1)
    order = scores.argsort()[::-1]
    keep = []
    while order.size > 0:
        i = order[0]
        keep.append(i)
        xx1 = np.maximum(x1[i], x1[order[1:]])
        yy1 = np.maximum(y1[i], y1[order[1:]])
        xx2 = np.minimum(x2[i], x2[order[1:]])
        yy2 = np.minimum(y2[i], y2[order[1:]])
        w = np.maximum(0.0, xx2 - xx1 + 1)
        h = np.maximum(0.0, yy2 - yy1 + 1)
        inter = w * h
        ovr = inter / (areas[i] + areas[order[1:]] - inter)
        order = order[np.where(ovr <= NMS_THRESH)[0] + 1]
    return keep


def norm_crop(img, landmark):
    # face_align.py estimate_norm() and norm_crop() for a 112-pixel ArcFace crop.
    tform = trans.SimilarityTransform()
    tform.estimate(landmark, ARCFACE_DST)
    return cv2.warpAffine(img, tform.params[0:2, :], (112, 112), borderValue=0.0)


def embed(net, crop):
    # arcface_onnx.py get_feat(); MobileFaceNet takes BGR, (x - 127.5) / 128 (SOURCES.md).
    blob = cv2.dnn.blobFromImages([crop], 1.0 / 128.0, (112, 112), (127.5, 127.5, 127.5), swapRB=False)
    net.setInput(blob)
    feature = net.forward().ravel().astype(np.float64)
    return feature / np.linalg.norm(feature)


def load_detector(path):
    """cv2.dnn 4.6 cannot import SCRFD's dynamic input shape; fix it to the 640x640 canvas, in memory."""
    model = onnx.load(path)
    dims = model.graph.input[0].type.tensor_type.shape.dim
    for dim, value in zip(dims, (1, 3, DET_SIZE[1], DET_SIZE[0])):
        dim.Clear()
        dim.dim_value = value
    model = onnx.shape_inference.infer_shapes(model)
    return cv2.dnn.readNetFromONNX(np.frombuffer(model.SerializeToString(), dtype=np.uint8))


def load_recogniser(path):
    """cv2.dnn 4.6 reads Clip (ReLU6) only in its opset-6 form, bounds as attributes; move them there, in memory."""
    model = onnx.load(path)
    constants = {t.name: onnx.numpy_helper.to_array(t) for t in model.graph.initializer}
    for node in model.graph.node:
        if node.op_type == 'Constant':
            constants[node.output[0]] = onnx.numpy_helper.to_array(node.attribute[0].t)
    for node in model.graph.node:
        if node.op_type == 'Clip' and len(node.input) > 1:
            bounds = [float(constants[name]) if name else None for name in list(node.input[1:]) + [''] * (3 - len(node.input))]
            del node.input[1:]
            node.attribute.extend(onnx.helper.make_attribute(key, value)
                                  for key, value in zip(('min', 'max'), bounds) if value is not None)
    return cv2.dnn.readNetFromONNX(np.frombuffer(model.SerializeToString(), dtype=np.uint8))


def main(testdata, output):
    detector = load_detector(os.path.join(testdata, 'models/scrfd_2.5g_bnkps.onnx'))
    recogniser = load_recogniser(os.path.join(testdata, 'models/mobilefacenet.onnx'))
    photos = []
    for name in sorted(os.listdir(os.path.join(testdata, 'faces'))):
        img = cv2.imread(os.path.join(testdata, 'faces', name))
        dets, kpss = detect(detector, img)
        if len(dets) == 0:
            continue
        largest = int(np.argmax((dets[:, 2] - dets[:, 0]) * (dets[:, 3] - dets[:, 1])))
        photos.append({
            'file': 'faces/' + name,
            'faces': int(len(dets)),
            'box': [round(float(v), 3) for v in dets[largest, :4]],
            'kps': [[round(float(x), 3), round(float(y), 3)] for x, y in kpss[largest]],
            'embedding': [round(float(v), 6) for v in embed(recogniser, norm_crop(img, kpss[largest]))],
        })
    about = ('InsightFace recipe (scrfd.py, face_align.norm_crop, get_feat) run by tools/reference/insightface_recipe.py '
             'with OpenCV %s (cv2.imread, cv2.resize, cv2.dnn) and scikit-image: largest face of each photo in faces/, '
             'SCRFD-2.5G 640x640, MobileFaceNet, embedding L2-normalised.' % cv2.__version__)
    with open(output, 'w') as f:
        json.dump({'about': about, 'photos': photos}, f, indent=1)
        f.write('\n')


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2])
