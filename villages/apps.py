from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VillagesConfig(AppConfig):
    name = "villages"
    verbose_name = _("Wilayah dan KIM")

    def ready(self):
        # The two-step log-in (kimtracker.two_factor, a layer below) announces enrolment and
        # removal; the account log records them (villages.accounts.record_two_factor).
        from kimtracker import two_factor

        from . import accounts

        two_factor.device_changed.connect(
            accounts.record_two_factor, dispatch_uid="villages.accounts.record_two_factor"
        )
