"""The audit page's filters."""

from django import forms
from django.db.models import QuerySet

from .models import CALL_OUTCOMES, CallEndpoint, FinerWorksCall
from .permissions import accounts_for_user


class CallFilterForm(forms.Form):
    """Filters of the audit page."""

    endpoint = forms.ChoiceField(
        required=False, choices=[("", "All endpoints"), *CallEndpoint.choices]
    )
    outcome = forms.ChoiceField(required=False, choices=[("", "All outcomes"), *CALL_OUTCOMES])
    user = forms.CharField(required=False, max_length=150)
    account = forms.ModelChoiceField(queryset=None, required=False, empty_label="All accounts")
    date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    deletion = forms.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].queryset = accounts_for_user(user)

    def filter(self, calls: QuerySet[FinerWorksCall]) -> QuerySet[FinerWorksCall]:
        if not self.is_valid():
            return calls.none()  # never "every call" for a filter that could not be read
        data = self.cleaned_data
        if data.get("endpoint"):
            calls = calls.filter(endpoint=data["endpoint"])
        if data.get("outcome"):
            calls = calls.filter(outcome=data["outcome"])
        if data.get("user"):
            calls = calls.filter(acting_username=data["user"].strip())
        if data.get("account"):
            calls = calls.filter(account=data["account"])
        if data.get("date"):
            calls = calls.filter(created_at__date=data["date"])
        if data.get("deletion"):
            calls = calls.filter(bulk_deletion_id=data["deletion"])
        return calls
