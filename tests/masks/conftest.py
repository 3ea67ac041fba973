import pytest
from maskkit import VOC, needs_shared


@pytest.fixture
def voc():
    needs_shared()
    return VOC
