"""Model-import fixtures: PyTorch state_dicts of the zoo, written the way
safetensors.torch.save_file(model.state_dict(), f) writes them (no metadata), plus the logits
PyTorch computes, so deepslim's import can be checked without Python at test time.

    /usr/bin/python3 tools/make_model_fixtures.py      # writes src/test/resources/models/

Writes:
  student10_s32.safetensors      state_dict of a trained-looking student10 at 32x32 (BN stats set)
  student10_s32_io.safetensors   in.x (4,3,32,32) and out.logits (eval mode)
  zoo_state_dicts.json           {arch: [[name, shape], ...]} at 224x224 for all five models
"""
import json
import os

import torch

from make_fixtures import write_safetensors
from torch_models import ZooNet

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src", "test", "resources", "models")


def main():
    torch.manual_seed(1234)
    os.makedirs(OUT, exist_ok=True)
    net = ZooNet("student10", 32)
    # non-trivial BatchNorm statistics and affine parameters, as a trained model has
    for m in net.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.0)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.2, 0.2)
            m.num_batches_tracked.fill_(123)
    net.eval()
    x = torch.randn(4, 3, 32, 32)
    with torch.no_grad():
        logits = net(x)
    write_safetensors(os.path.join(OUT, "student10_s32.safetensors"), net.state_dict(), None)
    write_safetensors(os.path.join(OUT, "student10_s32_io.safetensors"), {"in.x": x, "out.logits": logits}, None)
    names = {}
    for arch in ["vgg45m", "student40", "student30", "student20", "student10"]:
        names[arch] = [[k, list(v.shape)] for k, v in ZooNet(arch, 224).state_dict().items()]
    with open(os.path.join(OUT, "zoo_state_dicts.json"), "w") as f:
        json.dump(names, f, indent=0)
    print("torch", torch.__version__, "wrote", OUT)


if __name__ == "__main__":
    main()
