"""Validators of the household registry shared by models, forms, services, imports and the admin."""
from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

# Characters that make a spreadsheet cell a formula (OWASP “CSV injection”): = + - @, and a tab or carriage
# return in front of them.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@deconstructible
class PersonNameValidator:
    """A person's name (姓名) never starts like a spreadsheet formula.

    Names end up in ledgers, exports and error reports opened in Excel or WPS; a name such as
    `=HYPERLINK(...)` or `+1` would run there as a formula. No real name starts with these characters.
    """

    message = _("姓名不能以“=”“+”“-”“@”开头（表格软件会把它当作公式执行）。请填写真实姓名。")
    code = "name_formula"

    def __call__(self, value) -> None:
        if isinstance(value, str) and value.lstrip(" \u3000").startswith(FORMULA_START):
            raise ValidationError(self.message, code=self.code)

    def __eq__(self, other) -> bool:
        return isinstance(other, PersonNameValidator)


validate_person_name = PersonNameValidator()
