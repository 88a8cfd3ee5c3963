"""What org announces to the apps built on it (org imports none of them).

`unit_moved(unit, old_path, new_path)`: sent by services.move_unit inside its
transaction, after the unit and everything under it have their new paths; a receiver's
writes commit or roll back with the move (matters.areacounts recounts the areas that
gained or lost the unit's matters).
"""

from django.dispatch import Signal

unit_moved = Signal()
