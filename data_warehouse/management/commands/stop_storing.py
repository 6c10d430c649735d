from data_warehouse.management.topic_command import TopicControlCommand
from data_warehouse.services import stop_storing


class Command(TopicControlCommand):
    help = "Stop storing a topic, for example: stop_storing ORDERS XRPUSDT (stored rows stay)."
    action = stop_storing
