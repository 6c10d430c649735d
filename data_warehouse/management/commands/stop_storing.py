from data_warehouse.services import stop_storing
from data_warehouse.storing_command import TopicControlCommand


class Command(TopicControlCommand):
    help = "Stop storing a topic, for example: stop_storing ORDERS XRPUSDT (stored rows stay)."
    action = stop_storing
