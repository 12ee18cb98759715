"""`barnacle groundtruth`: the pages of a run worth transcribing, written as PAGE XML with
their images, for a transcriber to correct and `barnacle finetune` to train on."""

from barnacle.groundtruth.select import Candidate, Chosen, choose_pages
from barnacle.groundtruth.write import GroundTruthError, write_groundtruth

__all__ = ["Candidate", "Chosen", "GroundTruthError", "choose_pages", "write_groundtruth"]
