"""Field validators check the region prefix against the loaded wilayah tables."""

import pytest
from django.core.exceptions import ValidationError

from kpm.validators import validate_nik, validate_no_kk


@pytest.mark.django_db
def test_validate_nik_accepts_a_real_kecamatan_and_refuses_an_unknown_one():
    validate_nik("3571015808780002")
    with pytest.raises(ValidationError, match="bukan kode kecamatan"):
        validate_nik("3571995808780002")


@pytest.mark.django_db
def test_validate_no_kk_refuses_bad_prefix_with_a_plain_message():
    validate_no_kk("3571012005100001")
    with pytest.raises(ValidationError, match="No KK"):
        validate_no_kk("9971012005100001")


@pytest.mark.django_db
def test_model_full_clean_reports_nik_problem_on_the_field(world):
    member = world.kpm_own.anggota.get()
    member.nik = "3571015808780000"
    with pytest.raises(ValidationError) as caught:
        member.full_clean()
    assert "nik" in caught.value.message_dict
