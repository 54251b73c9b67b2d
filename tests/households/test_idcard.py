"""ID numbers (GB 11643): check digit, birth date, sex, masking."""
import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from households import idcard

# The worked example printed in GB 11643-1999 (北京市朝阳区, born 1949-12-31, female, check digit X).
STANDARD_EXAMPLE = "11010519491231002X"


@pytest.mark.parametrize("number", [STANDARD_EXAMPLE, "11010519491231002x", " 1101051949 1231002X ",
                                    "１１０１０５１９４９１２３１００２Ｘ"])
def test_real_valid_numbers_are_accepted_and_normalised(number):
    assert idcard.validate_id_number(number) == STANDARD_EXAMPLE


def test_birth_date_and_sex_are_read_from_the_number():
    assert idcard.birth_date_of(STANDARD_EXAMPLE) == dt.date(1949, 12, 31)
    assert idcard.sex_of(STANDARD_EXAMPLE) == "F"  # 17th digit 2 is even


@pytest.mark.parametrize("number, code, words", [
    ("110105194912310021", "id_checksum", "校验位错误"),                  # one digit off the real example
    ("110105194912310029", "id_checksum", "校验位"),
    ("1101051949123100", "id_length", "18位，当前为16位"),
    ("11010519491231002XX", "id_length", "当前为19位"),
    ("11010519491231002A", "id_chars", "17位数字"),
    ("110105194913310025", "id_birth", "出生日期"),                        # month 13
    ("110105189912310024", "id_birth", "出生日期"),                        # before 1900
])
def test_invalid_numbers_are_refused_with_a_chinese_reason(number, code, words):
    with pytest.raises(ValidationError) as exc:
        idcard.validate_id_number(number)
    assert exc.value.code == code
    assert words in exc.value.messages[0]


def with_check_char(first17: str) -> str:
    return first17 + idcard.check_char(first17)


@pytest.mark.parametrize("area", ["990426", "000000", "119999", "310199"])
def test_numbers_with_an_area_code_that_never_existed_are_refused(area):
    number = with_check_char(f"{area}19800101001")  # otherwise a well-formed number
    with pytest.raises(ValidationError) as exc:
        idcard.validate_id_number(number)
    assert exc.value.code == "id_area"
    assert "地址码" in exc.value.messages[0]


@pytest.mark.parametrize("number", [
    with_check_char("36042619500101001"),  # 德安县 got its code in 1983: born before, numbered after
    with_check_char("31010519800101001"),  # the demo district, 长宁区
    with_check_char("65900119600101002"),  # 石河子市 (code since 1986)
])
def test_every_code_ever_issued_is_accepted_whatever_the_birth_year(number):
    assert idcard.validate_id_number(number) == number


def test_a_wrong_check_character_is_refused_without_saying_which_would_pass():
    wrong = "110105194912310021"  # the standard example, whose check character is X
    with pytest.raises(ValidationError) as exc:
        idcard.validate_id_number(wrong)
    message = exc.value.messages[0]
    assert "校验位" in message and "X" not in message and "应为" not in message


def test_masking_keeps_first_six_and_last_four():
    assert idcard.mask_id_number(STANDARD_EXAMPLE) == "110105********002X"
    assert idcard.mask_id_number("") == ""


def test_the_member_field_itself_refuses_an_invalid_number():
    """Whatever writes a member (a form, the admin, a model form built later), the field checks the number."""
    from households.models import Member
    from tests.households.factories import id_number

    field = Member._meta.get_field("id_number")
    with pytest.raises(ValidationError) as refused:
        field.run_validators("990426198001010019")
    assert "地址码" in refused.value.messages[0]
    field.run_validators(id_number())  # a valid number passes
