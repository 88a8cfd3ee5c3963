from django.contrib import admin

from luoshi.lib.web import ReadOnlyAdmin

from .models import Delivery, Notification, NotificationPreference, UnitChannel


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "text", "created_at", "read_at", "done_at"]
    list_filter = ["kind"]
    raw_id_fields = ["user", "matter"]


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "email", "sms", "cadence", "language"]
    raw_id_fields = ["user"]


@admin.register(UnitChannel)
class UnitChannelAdmin(admin.ModelAdmin):
    """A unit's group robot: the office enters its webhook (and DingTalk's signing secret)."""

    list_display = ["unit", "channel", "cadence", "is_active"]
    list_filter = ["channel", "is_active"]
    raw_id_fields = ["unit"]


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    """The delivery log: what went out, through which channel, with what result."""

    list_display = ["created_at", "channel", "address", "state", "attempts", "last_error"]
    list_filter = ["channel", "state"]
    search_fields = ["address", "reference"]
