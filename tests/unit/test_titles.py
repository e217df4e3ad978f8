"""Titles from capture dates when a file name is only a camera's counter."""

from datetime import datetime

import pytest

from chalicelib.domain.titles import from_capture_date, is_camera_name


@pytest.mark.parametrize(
    "name",
    [
        "IMG_1234",
        "IMG_20261129_140512",
        "DSC01234",
        "DSCN0042",
        "PXL_20261129_140512345",
        "P1000123",
        "GOPR0001",
        "DJI_0042",
        "_MG_1234",
        "20261129_140512",
        "WhatsApp Image 2026-11-29 at 14.05.12",
        "MVIMG_20261129_140512",
    ],
)
def test_camera_names_are_recognised(name):
    assert is_camera_name(name)


@pytest.mark.parametrize("name", ["Grandma's 90th", "beach", "Lisbon 2026", "sunset over sea"])
def test_names_people_chose_are_kept(name):
    assert not is_camera_name(name)


def test_a_capture_date_reads_like_a_date():
    assert from_capture_date(datetime(2026, 11, 9, 14, 5)) == "9 November 2026, 14:05"
